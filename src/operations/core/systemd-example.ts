import type { UnitInputs } from './systemd-units.js';

/** A sample machine for systemd/example/ (see scripts/render-unit-examples.mjs and its test). */
export const EXAMPLE_INPUTS: UnitInputs = {
  node: '/usr/bin/node',
  bin: '/opt/claude-failover/bin/claude-failover.js',
  configPath: '/home/op/.config/claude-failover/config.yaml',
  environmentFile: '/home/op/.config/claude-failover/env',
  inboxes: ['/home/op/src/conformvault/.agent-queue/inbox', '/home/op/src/secumon/.agent-queue/inbox'],
  metricsTextfile: '/var/lib/node_exporter/textfile_collector/claude-failover.prom',
};
