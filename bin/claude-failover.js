#!/usr/bin/env node
import { runBundle } from './run-bundle.js';

await runBundle('claude-failover', import.meta.url);
