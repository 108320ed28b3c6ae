import { sessionFunnelSuite } from './property-session.suite.js';
import { tempStores } from '../../helpers/temp-store.js';

sessionFunnelSuite(tempStores());
