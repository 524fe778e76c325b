package dev.rankwise.encoders.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.rankwise.encoders.RowBatches;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The sentence mode pools what the token mode computes, and resuming above cached layers changes nothing. */
class SentenceModeTest {

  private static final List<String> SENTENCES = List.of(
      "Congratulations! You have won a free cruise, reply now.",
      "ok",
      "The wheat harvest in Argentina was smaller than expected, traders said on Monday.");

  private static NDManager manager;
  private static BertEncoder encoder;
  private static TextTokenizer tokenizer;

  @BeforeAll
  static void load() throws Exception {
    manager = NDManager.newBaseManager("PyTorch");
    encoder = BertEncoder.allMiniLmL6V2(32);
    tokenizer = encoder.inputs();
  }

  @AfterAll
  static void close() {
    encoder.close();
    manager.close();
  }

  private static NDArray forward(BertModel model, NDArray input) {
    return model.forward(new ParameterStore(manager, false), new NDList(input), false).singletonOrThrow();
  }

  @Test
  void packedRowsPoolTheTokenStatesOfTheirAttendedTokens() throws Exception {
    NDArray packed = tokenizer.pack(manager, SENTENCES);
    assertEquals(32, packed.getShape().get(2));
    BertModel sentences = encoder.newBlock(manager);
    BertModel tokens = encoder.newTokenBlock(manager);
    NDArray pooled = forward(sentences, packed);
    for (int row = 0; row < SENTENCES.size(); row++) {
      long length = packed.get(row, 1).sum().getLong();
      NDArray ids = packed.get(row, 0).get(":{}", length).expandDims(0);
      NDArray mask = packed.get(row, 1).get(":{}", length).expandDims(0);
      NDArray states = tokens.forward(new ParameterStore(manager, false), new NDList(ids, mask), false)
          .singletonOrThrow();
      NDArray expected = states.mean(new int[] {1}).squeeze(0);
      double diff = expected.sub(pooled.get(row)).abs().max().getFloat();
      assertTrue(diff < 1e-5, "row " + row + ": max |diff| " + diff);
    }
  }

  @Test
  void resumingAboveCachedLayersGivesTheFullForward() throws Exception {
    NDArray packed = tokenizer.pack(manager, SENTENCES);
    BertModel model = encoder.newBlock(manager);
    NDArray full = forward(model, packed);
    for (int layer : new int[] {1, 4, 5}) {
      NDArray prefix = RowBatches.map(manager, packed, 2, batch -> model.prefixStates(batch, layer));
      NDArray byLength = RowBatches.mapByLength(manager, packed, TextTokenizer.lengths(packed), 2,
          batch -> model.prefixStates(batch, layer), done -> {});
      assertEquals(model.hidden() + 1, prefix.getShape().get(2));
      assertEquals(packed.getShape().get(2), byLength.getShape().get(1), "padded back to the packed length");
      model.startAt(layer);
      double diff = forward(model, prefix).sub(full).abs().max().getFloat();
      assertTrue(diff < 1e-5, "from layer " + layer + ": max |diff| " + diff);
      double sortedDiff = forward(model, byLength).sub(full).abs().max().getFloat();
      assertTrue(sortedDiff < 1e-5, "from layer " + layer + ", batched by length: max |diff| " + sortedDiff);
    }
    IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> forward(model, packed));
    assertTrue(wrong.getMessage().contains("prefixStates"), wrong.getMessage());
    assertThrows(IllegalArgumentException.class, () -> model.startAt(6));
  }
}
