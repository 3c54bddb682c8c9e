// Every new user (email or OAuth2 sign-up) starts with a private board of their own.
onRecordAfterCreateSuccess((e) => {
  const board = new Record(e.app.findCollectionByNameOrId("boards"));
  board.set("title", "My First Board");
  board.set("description", "Start pinning things you love ✨");
  board.set("owner", e.record.id);
  board.set("visibility", "private");
  e.app.save(board);
  e.next();
}, "users");
