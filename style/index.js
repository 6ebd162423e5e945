import './base.css';
import './models.css';
import './identity.css';
import './access.css';
