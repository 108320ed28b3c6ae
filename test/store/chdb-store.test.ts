import { storeConformance } from './store-conformance.js';
import { tempStores } from '../helpers/temp-store.js';

storeConformance('embedded chDB', tempStores());
