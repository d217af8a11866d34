-- Organizr v2.1.2460 (commit 3c37516a), api/classes/organizr.class.php,
-- defaultTables(): the CREATE TABLE statements its wizard runs on SQLite,
-- copied verbatim (PHP's \' unescaped, whitespace evened). The session store
-- reads tokens, users and tabs; the others make test databases look like a
-- real install. (A live install stores them with [brackets] for backticks.)

CREATE TABLE `users` (
	`id`	INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE,
	`username`	TEXT UNIQUE,
	`password`	TEXT,
	`email`	TEXT,
	`plex_token`	TEXT,
	`group`	TEXT,
	`group_id`	INTEGER,
	`locked`	INTEGER,
	`image`	TEXT,
	`register_date`	DATETIME,
	`auth_service`	TEXT DEFAULT 'internal'
);

CREATE TABLE `chatroom` (
	`id`	INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE,
	`username`	TEXT,
	`gravatar`	TEXT,
	`uid`	TEXT,
	`date` DATETIME,
	`ip` TEXT,
	`message` TEXT
);

CREATE TABLE `tokens` (
	`id`	INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE,
	`token`	TEXT UNIQUE,
	`user_id`	INTEGER,
	`browser`	TEXT,
	`ip`	TEXT,
	`created` DATETIME,
	`expires` DATETIME
);

CREATE TABLE `groups` (
	`id`	INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE,
	`group`	TEXT UNIQUE,
	`group_id`	INTEGER,
	`image`	TEXT,
	`default` INTEGER
);

CREATE TABLE `categories` (
	`id`	INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE,
	`order`	INTEGER,
	`category`	TEXT UNIQUE,
	`category_id`	INTEGER,
	`image`	TEXT,
	`default` INTEGER
);

CREATE TABLE `tabs` (
	`id`	INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE,
	`order`	INTEGER,
	`category_id`	INTEGER,
	`name`	TEXT,
	`url`	TEXT,
	`url_local`	TEXT,
	`default`	INTEGER,
	`enabled`	INTEGER,
	`group_id`	INTEGER,
	`group_id_max` INTEGER DEFAULT '0',
	`add_to_admin`	INTEGER DEFAULT '0',
	`image`	TEXT,
	`type`	INTEGER,
	`splash`	INTEGER,
	`ping`		INTEGER,
	`ping_url`	TEXT,
	`timeout`	INTEGER,
	`timeout_ms`	INTEGER,
	`preload`	INTEGER
);

CREATE TABLE `options` (
	`id`	INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE,
	`name`	TEXT UNIQUE,
	`value`	TEXT
);

CREATE TABLE `invites` (
	`id`	INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE,
	`code`	TEXT UNIQUE,
	`date`	DATETIME,
	`email`	TEXT,
	`username`	TEXT,
	`dateused`	TIMESTAMP,
	`usedby`	TEXT,
	`ip`	TEXT,
	`valid`	TEXT,
	`type` TEXT,
	`invitedby` TEXT
);
