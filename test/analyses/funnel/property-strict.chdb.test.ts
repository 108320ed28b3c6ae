import { strictFunnelSuite } from './property-strict.suite.js';
import { tempStores } from '../../helpers/temp-store.js';

strictFunnelSuite(tempStores());
