/** Model training into the registry (issue 5). */
export { trainAndRegister, simulatedNormalHistory, trainStartupModels, trainReplayModels, type TrainTypeOptions, type StartupTrainingOptions } from './train-models.js';
