// Claude Code 2.1.332 as captured in test/fixtures/claude-code/2.1.332/: 2.1.328's screens and files, except the
// line under a 5-hour limit, which says `set to continue automatically at …` (and no `esc to cancel`).
import { fullScreen } from './release-2.1.328.mjs';

export default fullScreen('2.1.332', (at) => `Usage limit reached · set to continue automatically at ${at}`);
