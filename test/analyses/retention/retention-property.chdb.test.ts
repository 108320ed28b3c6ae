import { retentionPropertySuite } from './retention-property.suite.js';
import { tempStores } from '../../helpers/temp-store.js';

retentionPropertySuite(tempStores());
