import { pathsPropertySuite } from './paths-property.suite.js';
import { tempStores } from '../../helpers/temp-store.js';

pathsPropertySuite(tempStores());
