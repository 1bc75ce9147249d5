/**
 * Which runs of a group the comparison gets: all when they fit, else the best by the goal.
 */
import { MAX_COMPARED, pickGroupRuns } from '../compareGroup';
import { IKeplerApi, IListParams } from '../request';
import { ExperimentList } from '../tokens';

function listing(total: number, params: IListParams): ExperimentList {
  const count = Math.min(total, params.limit);
  return {
    total,
    offset: 0,
    limit: params.limit,
    items: Array.from({ length: count }, (_, i) => ({ id: `r${i}` }))
  } as unknown as ExperimentList;
}

function api(total: number, sent: IListParams[]): IKeplerApi {
  return {
    listExperiments: async (params: IListParams) => {
      sent.push(params);
      return listing(total, params);
    }
  } as unknown as IKeplerApi;
}

describe('pickGroupRuns', () => {
  it('asks for the group members, best first in the goal direction', async () => {
    const sent: IListParams[] = [];
    await pickGroupRuns(api(3, sent), 'c:run1', 'proj', { name: 'accuracy', mode: 'max', target: null, source: 'default' });
    await pickGroupRuns(api(3, sent), 'c:run1', 'proj', { name: 'val_loss', mode: 'min', target: null, source: 'default' });
    expect(sent[0]).toMatchObject({ parent: 'c:run1', path: 'proj', sort: 'metric', order: 'desc', limit: MAX_COMPARED });
    expect(sent[1]).toMatchObject({ sort: 'metric', order: 'asc' });
  });

  it('takes every run of a small group and says nothing more', async () => {
    const pick = await pickGroupRuns(api(3, []), 's:grid', '', null);
    expect(pick.ids).toEqual(['r0', 'r1', 'r2']);
    expect(pick.note).toBeNull();
  });

  it('says which runs it kept of a large group', async () => {
    const pick = await pickGroupRuns(api(200, []), 's:grid', '', { name: 'val_loss', mode: 'min', target: null, source: 'default' });
    expect(pick.ids).toHaveLength(MAX_COMPARED);
    expect(pick.total).toBe(200);
    expect(pick.note).toBe(`The ${MAX_COMPARED} best of the group's 200 runs by val_loss.`);
  });
});
