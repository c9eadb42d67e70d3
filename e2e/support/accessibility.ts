/**
 * Accessibility checks of the page as it is on screen: axe-core (the npm package, its version
 * pinned in package-lock.json) run in the page with its default rules (WCAG 2.x A and AA, and
 * best practices). Only serious and critical violations are returned, each with the elements
 * it found, so a failure says what to fix and where. Node only.
 */
import { createRequire } from 'node:module';
import type { AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';

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
