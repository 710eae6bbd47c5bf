#!/usr/bin/env node
import { main } from '../dist/bundle/ccl-delegate.js';

await main();
