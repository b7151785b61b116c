/** The Apps section, one chunk loaded when the owner first opens it (not with the dashboard). */
export { AppPage } from './AppPage';
export { AppsPage } from './AppsPage';
