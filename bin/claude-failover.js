#!/usr/bin/env -S node --max-semi-space-size=2
import { runBundle } from './run-bundle.js';

await runBundle('claude-failover', import.meta.url);
