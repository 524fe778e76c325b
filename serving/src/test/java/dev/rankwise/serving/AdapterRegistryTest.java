package dev.rankwise.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Names to folders, unique tasks, and a retired folder closing only when its last request is done. */
class AdapterRegistryTest {

  private final FakeAdapters fake = new FakeAdapters();
  private final AdapterRegistry registry = new AdapterRegistry((name, folder) ->
      folder.toString().equals("news") ? fake.adapter(name, 16, "news") : fake.adapter(name, 16));

  @Test
  void anUnloadedFolderClosesWhenTheLastRequestHoldingItIsDone() throws Exception {
    registry.load("first", Path.of("first"));
    ServedAdapter held = registry.acquire("spam").orElseThrow();
    assertTrue(registry.unload("first"));
    assertTrue(registry.acquire("spam").isEmpty(), "no new request reaches an unloaded folder");
    assertFalse(held.isClosed(), "the request holding it still runs on it");
    held.release();
    assertTrue(held.isClosed());
    assertFalse(registry.unload("first"));
  }

  @Test
  void aReplacedFolderServesItsRequestsWhileNewOnesGoToTheNewFolder() throws Exception {
    assertEquals(AdapterRegistry.Loaded.ADDED, registry.load("first", Path.of("first")));
    ServedAdapter old = registry.acquire("mood").orElseThrow();
    assertEquals(AdapterRegistry.Loaded.REPLACED, registry.load("first", Path.of("again")));
    ServedAdapter replacement = registry.acquire("mood").orElseThrow();
    assertTrue(replacement != old && !old.isClosed());
    old.release();
    assertTrue(old.isClosed() && !replacement.isClosed());
    replacement.release();
    assertEquals(List.of("mood", "spam"), registry.tasks());
  }

  @Test
  void aClashingFolderIsRefusedNamingBothAndTheOthersKeepServing() throws Exception {
    registry.load("first", Path.of("first"));
    registry.load("news", Path.of("news"));
    IllegalArgumentException clash = assertThrows(IllegalArgumentException.class,
        () -> registry.load("second", Path.of("second")));
    assertTrue(clash.getMessage().contains("task 'spam' of second is already served by adapters 'first' (first)"),
        clash.getMessage());
    assertEquals(List.of("first", "news"), registry.names());
    assertEquals(List.of("mood", "news", "spam"), registry.tasks());
    IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
        () -> registry.load("../etc", Path.of("x")));
    assertTrue(name.getMessage().contains("'../etc'"), name.getMessage());
  }
}
