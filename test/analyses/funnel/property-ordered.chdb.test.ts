import { orderedFunnelSuite } from './property-ordered.suite.js';
import { tempStores } from '../../helpers/temp-store.js';

orderedFunnelSuite(tempStores());
