import { engagementPropertySuite } from './engagement-property.suite.js';
import { tempStores } from '../../helpers/temp-store.js';

engagementPropertySuite(tempStores());
