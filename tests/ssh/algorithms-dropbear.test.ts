import { startDropbear } from '../peers/index.ts';
import { algorithmSuite, DROPBEAR } from './algorithm-matrix.ts';

algorithmSuite('Dropbear', DROPBEAR, (o) => startDropbear(o));
