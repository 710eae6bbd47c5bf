#!/usr/bin/env node
import { runBundle } from './run-bundle.js';

await runBundle('ccl-delegate', import.meta.url);
