import type { Response } from '@playwright/test';

import { expect, test } from '../fixtures';
import {
  deleteExperiment,
  dismissTips,
  keepScreenshot,
  logTrace,
  mlflowFrame,
  type Role,
  runCommand,
  scratchExperiment,
  signIn,
  signOutButton
} from '../mlflow';
import { readStack } from '../stack';

test.use({ viewport: { width: 1400, height: 860 } });

test('a trace the SDK logged through the gateway opens in the panel with its spans, for the admin and the reader', async ({
  page
}, testInfo) => {
  const id = await scratchExperiment('panel-traces');
  try {
    const { traceId, question, spans } = logTrace(id, 'admins');

    // What the MLflow UI fetched from the gateway with the handed-over token
    // (MLflow itself answers 404 to its sign-in check, users/current: no
    // refusal of the gateway's).
    const uiRequests: { role: Role; url: string; status: number }[] = [];
    let role: Role = 'admins';
    const ajaxApi = `${readStack().gateway}/ajax-api/`;
    page.on('response', (response: Response) => {
      if (response.url().startsWith(ajaxApi)) {
        uiRequests.push({
          role,
          url: response.url().slice(ajaxApi.length).split('?')[0],
          status: response.status()
        });
      }
    });

    const openTrace = async (who: Role) => {
      role = who;
      await runCommand(page, 'mlflow:open', {
        route: `/experiments/${id}/traces`
      });
      const frame = mlflowFrame(page);
      await dismissTips(frame);
      const row = frame.getByRole('row').filter({ hasText: question });
      await expect(row).toHaveCount(1);
      await keepScreenshot(page, testInfo, `mlflow-traces-${who}`);

      await row.getByText(question).click();
      // The trace's short id heads the trace view; its span tree lists every span.
      await expect(
        frame.getByText(traceId.replace(/^tr-/, '').slice(0, 8)).first()
      ).toBeVisible();
      for (const span of spans) {
        await expect(
          frame.getByText(span, { exact: true }).first()
        ).toBeVisible();
      }
      await page.mouse.move(0, 0); // no tooltip over the spans
      await keepScreenshot(page, testInfo, `mlflow-trace-${who}`);
    };

    await page.goto();
    await page.sidebar.close('left');
    await runCommand(page, 'mlflow:open', {
      route: `/experiments/${id}/traces`
    });
    await signIn(page, 'admins');
    await openTrace('admins');

    // Readers may read traces.
    await signOutButton(page).click();
    await signIn(page, 'readers');
    await openTrace('readers');

    for (const who of ['admins', 'readers'] as Role[]) {
      const answered = (pattern: RegExp) =>
        uiRequests
          .filter(r => r.role === who && pattern.test(r.url))
          .map(r => r.status);
      // The list, and the trace itself, as MLflow answered them.
      expect(answered(/\/traces\/search$/)).toContain(200);
      expect(answered(new RegExp(`/traces/${traceId}$`))).toContain(200);
      expect(
        uiRequests.filter(r => r.role === who && [401, 403].includes(r.status))
      ).toEqual([]);
    }
  } finally {
    await deleteExperiment(id);
  }
});
