import { trendsPropertySuite } from './trends-property.suite.js';
import { tempStores } from '../../helpers/temp-store.js';

trendsPropertySuite(tempStores());
