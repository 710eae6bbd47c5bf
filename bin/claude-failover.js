#!/usr/bin/env node
import { main } from '../dist/bundle/claude-failover.js';

await main();
