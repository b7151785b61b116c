import type { ReactNode } from 'react';
import { BrandMark } from './BrandMark';
import { LanguageSelect } from './LanguageSelect';

/** The frame of the pages before login: a centred card, the language choice above it. */
export function PublicLayout({ children }: { children: ReactNode }) {
  return (
    <div className="public">
      <header className="public-header">
        <BrandMark />
        <LanguageSelect />
      </header>
      <main className="public-main">
        <div className="card public-card">{children}</div>
      </main>
    </div>
  );
}
