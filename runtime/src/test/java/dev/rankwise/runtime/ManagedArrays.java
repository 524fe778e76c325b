package dev.rankwise.runtime;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A test whose arrays live in one manager per test method, closed after it. */
public abstract class ManagedArrays {

  /** The test method's manager. */
  protected NDManager manager;

  @BeforeEach
  void openManager() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void closeManager() {
    manager.close();
  }
}
