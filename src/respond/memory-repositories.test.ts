import { createMemoryRepositories } from './memory-repositories.js';
import { runRespondRepositoryContract } from './repository-contract.js';

runRespondRepositoryContract('memory', () => createMemoryRepositories());
