/** Plant figures from stored data (SPEC 9). */
export { plantFigures, type PlantFigures, type PeriodFigures, type FiguresOptions, type FigurePeriod } from './plant-figures.js';
