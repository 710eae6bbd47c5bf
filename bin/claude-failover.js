#!/usr/bin/env node
import { main } from '../dist/src/cli/claude-failover.js';

await main();
