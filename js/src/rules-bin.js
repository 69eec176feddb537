// The package's `zailai-rules` command (package.json `bin`): js/src/rules-cli.js.
import { main } from './rules-cli.js';

main();
