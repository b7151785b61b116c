import type { ReactNode } from 'react';
import { useDocumentTitle } from '../hooks/useDocumentTitle';

/** The page's heading; it also names the browser tab. */
export function PageHeader({ title, className, children }: { title: string; className?: string; children?: ReactNode }) {
  useDocumentTitle(title);
  return (
    <div className={className ? `page-header ${className}` : 'page-header'}>
      <h1>{title}</h1>
      {children}
    </div>
  );
}
