import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { initI18n } from './i18n';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

// Render once the catalogs of the detected language are in; a failed load falls back to English.
void initI18n()
  .catch(() => undefined)
  .then(() =>
    root.render(
      <StrictMode>
        <App />
      </StrictMode>,
    ),
  );
