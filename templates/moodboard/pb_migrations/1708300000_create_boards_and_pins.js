// Boards and the pins on them. A board is seen by its owner, its collaborators, and (when
// "public") anyone; "team" and "private" differ only in what the UI shows. A pin follows its board.
//
// "Is a collaborator" is `@request.auth.id ?= collaborators.id`: a bare multi-relation field in a
// rule is its stored JSON array, so `.id` is needed to compare each id. The `!= ""` guard is needed
// because an empty relation joins as "" and would otherwise match every anonymous request.
migrate(
  (app) => {
    const isCollaboratorOf = (relation) => `(@request.auth.id != "" && @request.auth.id ?= ${relation}.id)`;
    const usersId = app.findCollectionByNameOrId("users").id;
    const timestamps = [
      { name: "created", type: "autodate", onCreate: true, onUpdate: false },
      { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
    ];

    const boardReaders = `@request.auth.id = owner || ${isCollaboratorOf("collaborators")} || visibility = "public"`;
    const boards = new Collection({
      type: "base",
      name: "boards",
      fields: [
        { name: "title", type: "text", required: true, min: 1, max: 200 },
        { name: "description", type: "text", max: 2000 },
        { name: "owner", type: "relation", required: true, collectionId: usersId, maxSelect: 1 },
        { name: "collaborators", type: "relation", collectionId: usersId, maxSelect: 50 },
        { name: "visibility", type: "select", required: true, values: ["private", "team", "public"], maxSelect: 1 },
        { name: "cover", type: "file", maxSelect: 1, maxSize: 5 * 1024 * 1024 },
        ...timestamps,
      ],
      indexes: ["CREATE INDEX idx_boards_owner ON boards (owner)"],
      listRule: boardReaders,
      viewRule: boardReaders,
      createRule: "@request.auth.id != ''",
      updateRule: "@request.auth.id = owner",
      deleteRule: "@request.auth.id = owner",
    });
    app.save(boards);

    const pinWriters = `@request.auth.id = board.owner || ${isCollaboratorOf("board.collaborators")}`;
    const pinReaders = `${pinWriters} || board.visibility = "public"`;
    const pinAuthors = "@request.auth.id = board.owner || @request.auth.id = added_by";
    const pins = new Collection({
      type: "base",
      name: "pins",
      fields: [
        { name: "board", type: "relation", required: true, collectionId: boards.id, maxSelect: 1, cascadeDelete: true },
        { name: "type", type: "select", required: true, values: ["image", "link", "note"], maxSelect: 1 },
        { name: "title", type: "text", max: 300 },
        { name: "url", type: "url" },
        { name: "note", type: "editor" },
        { name: "image", type: "file", maxSelect: 1, maxSize: 10 * 1024 * 1024, thumbs: ["200x200", "400x400"] },
        { name: "position_x", type: "number" },
        { name: "position_y", type: "number" },
        { name: "color", type: "text", max: 7 },
        { name: "added_by", type: "relation", required: true, collectionId: usersId, maxSelect: 1 },
        ...timestamps,
      ],
      indexes: ["CREATE INDEX idx_pins_board ON pins (board)"],
      listRule: pinReaders,
      viewRule: pinReaders,
      createRule: pinWriters,
      updateRule: pinAuthors,
      deleteRule: pinAuthors,
    });
    app.save(pins);
  },
  (app) => {
    // Pins first: they point at boards.
    app.delete(app.findCollectionByNameOrId("pins"));
    app.delete(app.findCollectionByNameOrId("boards"));
  },
);
