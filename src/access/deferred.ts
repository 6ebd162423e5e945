/** What the Access view loads when first opened (`./open`). */
export { showAccessDialog } from './dialog';
export { gatewayAccessClient } from './mlflow';
