#!/usr/bin/env -S node --max-semi-space-size=2
import { runBundle } from './run-bundle.js';

await runBundle('ccl-delegate', import.meta.url);
