import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { isKefuError } from '../../app/errors';
import { createKnowledgeService, decisionLabel, type KnowledgeServiceHandle } from '../../knowledge';
import type { ContentProblem } from '../../knowledge/content/topic';

const KNOWLEDGE = path.resolve(__dirname, '..', '..', 'knowledge');

describe('knowledge editing loop', () => {
  let tmp: string;
  let dir: string;
  let profileFile: string;
  let synonymsFile: string;
  let service: KnowledgeServiceHandle | undefined;

  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'kefu-kb-'));
    dir = path.join(tmp, 'topics');
    profileFile = path.join(tmp, 'company-profile.yaml');
    synonymsFile = path.join(tmp, 'synonyms.yaml');
    await cp(path.join(KNOWLEDGE, 'topics'), dir, { recursive: true });
    await cp(path.join(KNOWLEDGE, 'company-profile.yaml'), profileFile);
    await cp(path.join(KNOWLEDGE, 'synonyms.yaml'), synonymsFile);
  });
  afterEach(async () => {
    service?.close();
    service = undefined;
    await rm(tmp, { recursive: true, force: true });
  });

  async function addKeyword(id: string, keyword: string): Promise<void> {
    const file = path.join(dir, `${id}.md`);
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/(\n\s+zh-TW: \[)/, `$1${keyword}, `));
  }

  it('a keyword added by an editor takes effect after reload, without a code change', async () => {
    service = await createKnowledgeService({ dir, profileFile, synonymsFile });
    const q = { text: '宇宙霹靂無敵借款法', lang: 'zh-TW' as const };
    await addKeyword('premium-auto-loan', '宇宙霹靂無敵');
    await service.reload();
    expect(decisionLabel(await service.decide(q))).to.equal('premium-auto-loan');
  });

  it('a company value changed in the profile shows in the answers after reload', async () => {
    service = await createKnowledgeService({ dir, profileFile, synonymsFile });
    const profile = await readFile(profileFile, 'utf8');
    await writeFile(profileFile, profile.replace('hotline: 0800-000-123', 'hotline: 0800-999-888'));
    await service.reload();
    const d = service.topicAnswer('contact-channels-hours', 'zh-TW');
    expect(d?.kind === 'answer' && d.answer).to.include('0800-999-888');
  });

  it('a topic file broken by an edit keeps its last good version and is reported', async () => {
    service = await createKnowledgeService({ dir, profileFile, synonymsFile });
    await writeFile(path.join(dir, 'policy-loan.md'), '---\nid: policy-loan\n---\n\n## zh-TW\n\n只有中文\n');
    const report = await service.reload();
    expect(report.problems.some((p) => p.topicId === 'policy-loan')).to.equal(true);
    expect(decisionLabel(await service.decide({ text: '保單可以借錢嗎', lang: 'zh-TW' }))).to.equal('policy-loan');
    expect(service.topicCount()).to.equal(39);
  });

  it('an unreadable profile leaves the old content in place and rejects the reload', async () => {
    service = await createKnowledgeService({ dir, profileFile, synonymsFile });
    await rm(profileFile);
    const err = await service.reload().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isKefuError(err, 'ERR_KNOWLEDGE_INVALID')).to.equal(true);
    expect(decisionLabel(await service.decide({ text: '保單可以借錢嗎', lang: 'zh-TW' }))).to.equal('policy-loan');
  });

  it('with watch on, a saved file reloads the content by itself', async () => {
    let notify: (p: ContentProblem[]) => void = () => {};
    const reloaded = new Promise<ContentProblem[]>((resolve) => {
      notify = resolve;
    });
    let loads = 0;
    service = await createKnowledgeService({
      dir,
      profileFile,
      synonymsFile,
      watch: true,
      watchDebounceMs: 50,
      onProblems: (p) => {
        loads++;
        if (loads > 1) notify(p);
      },
    });
    await addKeyword('dividend-options', '量子紅包');
    await reloaded;
    expect(decisionLabel(await service.decide({ text: '量子紅包怎麼領', lang: 'zh-TW' }))).to.equal('dividend-options');
  });
});
