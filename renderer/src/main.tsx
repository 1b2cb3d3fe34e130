import { createRoot } from 'react-dom/client';
import '@mantine/core/styles.css';
import '@mantine/charts/styles.css';
import '@mantine/notifications/styles.css';
import './app/app.css';
import { App } from './app/App.js';

createRoot(document.getElementById('root')!).render(<App />);
