import { LabIcon } from '@jupyterlab/ui-components';

import mlflowSvg from '../style/icons/mlflow.svg';
import modelsSvg from '../style/icons/models.svg';

/** The MLflow icon of the launcher tile, the panel's tab and the menus. */
export const mlflowIcon = new LabIcon({
  name: 'sagemaker-studio-mlflow:mlflow',
  svgstr: mlflowSvg
});

/** The icon of the models view's sidebar tab: a packaged model. */
export const modelsIcon = new LabIcon({
  name: 'sagemaker-studio-mlflow:models',
  svgstr: modelsSvg
});
