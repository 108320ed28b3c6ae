import { anyOrderFunnelSuite } from './property-any.suite.js';
import { tempStores } from '../../helpers/temp-store.js';

anyOrderFunnelSuite(tempStores());
