#!/usr/bin/env node
import { main } from '../dist/src/cli/ccl-delegate.js';

await main();
