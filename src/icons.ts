import { LabIcon } from '@jupyterlab/ui-components';

import mlflowSvg from '../style/icons/mlflow.svg';

/** The MLflow icon of the launcher tile, the panel's tab and the menus. */
export const mlflowIcon = new LabIcon({
  name: 'sagemaker-studio-mlflow:mlflow',
  svgstr: mlflowSvg
});
