/** What the models sidebar loads with `import()` when first shown. */
import '../styles';

export { gatewayModelsClient } from './client';
export {
  setAliasWithConfirmation,
  transitionStageWithConfirmation
} from './dialogs';
export { ModelsModel } from './model';
export { ModelsView } from './view';
