/** What the models sidebar loads with `import()` when first shown. */
import '../styles';

export { modelsContent } from './sidebar-content';
