/**
 * Accessibility checks of the page as it is on screen: axe-core (the npm package, its version
 * pinned in package-lock.json) run in the page with its default rules (WCAG 2.x A and AA, and
 * best practices). Only serious and critical violations count, each with the elements it found,
 * so a failure says what to fix and where. `checkScreen` is what every screen of the e2e flows
 * is held to. Node only.
 */
import { createRequire } from 'node:module';
import type { AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { saveScreens, SCREEN_SIZES, type ScreenSize } from './studio.ts';

/** The share of the height the header may take at 640x400 (a 1280x800 laptop at 200% zoom). */
export const HEADER_SHARE_LIMIT = 0.2;

declare global {
  interface Window {
    axe?: { run(context: Document): Promise<AxeResults> };
  }
}

const axeScript = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export interface AccessibilityViolation {
  readonly rule: string;
  readonly impact: string;
  readonly help: string;
  /** CSS selectors of the failing elements, and axe's summary of why each fails. */
  readonly nodes: readonly string[];
}

export async function seriousAccessibilityViolations(page: Page): Promise<AccessibilityViolation[]> {
  if (!(await page.evaluate(() => window.axe !== undefined))) await page.addScriptTag({ path: axeScript });
  const violations = await page.evaluate(async () => {
    const results = await window.axe!.run(document);
    return results.violations.map((v) => ({
      rule: v.id,
      impact: v.impact ?? 'unknown',
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * What every screen is held to: no serious or critical axe-core violation, a compact header at
 * 640x400, and screenshots at the three sizes in e2e-artifacts/.
 */
export async function checkScreen(page: Page, name: string, sizes: readonly ScreenSize[] = SCREEN_SIZES): Promise<void> {
  expect(await seriousAccessibilityViolations(page), `${name}: serious or critical axe-core violations`).toEqual([]);
  for (const { size, headerHeight } of await saveScreens(page, name, sizes)) {
    if (size.width === 640) expect(headerHeight / size.height, `${name}: the header's share of the height at 640x400`).toBeLessThanOrEqual(HEADER_SHARE_LIMIT);
  }
}
