// The end-to-end scenarios over direct TCP.
import { scenarioSuite } from './scenarios.ts';

scenarioSuite('direct TCP', () => ({}));
