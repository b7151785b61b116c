import { expect, test } from './fixtures.js';

/** Every section link stays clear of the tools beside it (bell, language, account) on common laptop and desktop widths, in both languages. */
for (const width of [1024, 1280, 1440]) {
  test(`at ${width} px the section links and the tools never overlap`, async ({ page, daemon }) => {
    await page.setViewportSize({ width, height: 800 });
    await daemon.activate(page.request, 'window seat rain 2024 tea');
    for (const language of ['en', 'zh-CN']) {
      await page.goto('/');
      await page.evaluate(`localStorage.setItem('hearth.language', '${language}')`);
      await page.reload();
      await expect(page.locator('.section-link').first()).toBeVisible();
      // A string, evaluated in the page: the e2e sources are type-checked without the DOM library.
      const overlaps = await page.evaluate<string[]>(`(() => {
        const box = (e) => e.getBoundingClientRect();
        const tools = [...document.querySelectorAll('.menu-tools > *')].map(box);
        const found = [];
        for (const link of document.querySelectorAll('.section-link')) {
          const a = box(link);
          for (const b of tools) if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) found.push(link.textContent.trim());
        }
        const doc = document.documentElement;
        if (doc.scrollWidth > window.innerWidth) found.push('page wider than the window');
        return found;
      })()`);
      expect(overlaps, `${language} at ${width} px`).toEqual([]);
    }
  });
}
