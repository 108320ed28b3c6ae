import { sessionsPropertySuite } from './sessions-property.suite.js';
import { tempStores } from '../../helpers/temp-store.js';

sessionsPropertySuite(tempStores());
