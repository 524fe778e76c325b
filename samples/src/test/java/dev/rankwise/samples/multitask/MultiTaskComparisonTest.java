package dev.rankwise.samples.multitask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The four generated multi-task declarations train end to end. The model's two output features
 * cannot serve three decision directions through one shared adapter; routed adapters can.
 */
class MultiTaskComparisonTest {

  @Test
  void routedAdaptersLearnEveryTaskWhereASharedOneCannot() {
    List<MultiTaskComparison.Row> rows = MultiTaskComparison.run(4);
    System.out.println(MultiTaskComparison.table(rows));

    assertEquals(4, rows.size());
    MultiTaskComparison.Row shared = rows.get(0);
    MultiTaskComparison.Row perTask = rows.get(1);
    MultiTaskComparison.Row experts = rows.get(3);
    assertTrue(perTask.meanAccuracy() > 0.9, perTask.toString());
    assertTrue(experts.meanAccuracy() > 0.9, experts.toString());
    assertTrue(shared.meanAccuracy() < experts.meanAccuracy() - 0.05, shared + " vs " + experts);
    assertTrue(experts.experts().contains("north["), "the run reports each task's experts");
  }
}
