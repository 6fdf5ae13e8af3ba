"""benchmarks/kind_buckets.py: every in-scope question lands in one bucket, and the answer step is
left as it was."""

from assistant.answer import extractive
from assistant.evaluation import REALISTIC_DIR, load_gold
from benchmarks.kind_buckets import buckets


def test_every_in_scope_question_is_in_one_bucket_and_the_pipeline_is_restored(assistant):
    questions = [q for q in load_gold(REALISTIC_DIR) if q.language == "en"][:12]
    planned = extractive.from_plan.planned_sentences
    found = buckets(assistant, questions)
    assert extractive.from_plan.planned_sentences is planned
    assert sum(b.questions for b in found.values()) == sum(not q.out_of_scope for q in questions)
    assert set(found) <= {"pattern", "guess", "steps", "duration", "none", "abstain"}
    # Most realistic questions are recognised by a pattern of the pathway (87 % of the set).
    assert found["pattern"].questions >= len(questions) // 2
    assert all(0 <= b.direct <= b.questions and b.facts_found <= b.facts for b in found.values())
