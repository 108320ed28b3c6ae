import { storeConformance } from './store-conformance.js';
import { tempStore } from '../helpers/temp-store.js';

storeConformance('embedded chDB', () => tempStore('conformance'));
