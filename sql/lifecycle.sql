-- lifecycle.sql -- the session-lifecycle SQL surface: the users view,
-- sweep() cleaning every managed LOGIN role without a session, deactivate()
-- cleaning one role now and refusing (22023) any role it does not manage,
-- and the events both write.  Managed means labelled by pg_autouser
-- (SECURITY LABEL FOR pg_autouser ... IS 'managed'), which provisioning does;
-- roles made here by hand are labelled the same way.
--
-- The cleanup worker sweeps too, at any moment once it has connected, so a
-- managed LOGIN role is only ever created inside the transaction that acts
-- on it: the worker cannot see it before it has been cleaned.  Every role
-- left committed between transactions is NOLOGIN or unmanaged, which no
-- sweep touches.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_autouser;
RESET client_min_messages;

-- The regress_* roles: login, group and memberships.
CREATE FUNCTION pg_temp.roles() RETURNS TABLE (rolname name, rolcanlogin boolean, member_of text[])
LANGUAGE sql AS $$
    SELECT r.rolname, r.rolcanlogin,
           ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                 WHERE m.member = r.oid ORDER BY 1)
    FROM pg_roles r WHERE r.rolname LIKE 'regress\_%' ORDER BY 1
$$;
-- Runs sql; returns 'ok' or SQLSTATE and message, and says so if a
-- regress_* role or the events changed although sql failed.
CREATE FUNCTION pg_temp.try(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    before text := (SELECT string_agg(r::text, ',') FROM pg_temp.roles() r)
                   || (SELECT count(*) FROM autouser.events);
    result text;
BEGIN
    BEGIN
        EXECUTE sql;
        RETURN 'ok';
    EXCEPTION WHEN OTHERS THEN
        result := SQLSTATE || ': ' || SQLERRM;
    END;
    IF (SELECT string_agg(r::text, ',') FROM pg_temp.roles() r)
       || (SELECT count(*) FROM autouser.events) IS DISTINCT FROM before THEN
        result := result || ' [changed]';
    END IF;
    RETURN result;
END
$$;
-- This session's events since :last_event, without ids, times or pids.
CREATE FUNCTION pg_temp.my_events(after bigint)
RETURNS TABLE (action text, identity text, role text, roles text[], detail text)
LANGUAGE sql AS $$
    SELECT e.action, e.identity, e.role,
           CASE WHEN e.roles IS NOT NULL THEN ARRAY(SELECT x FROM unnest(e.roles) x ORDER BY 1) END,
           e.detail
    FROM autouser.events e
    WHERE e.id > after AND e.pid = pg_backend_pid()
    ORDER BY e.id
$$;

-- The view's columns.
SELECT attname, format_type(atttypid, atttypmod) AS type
FROM pg_attribute
WHERE attrelid = 'autouser.users'::regclass AND attnum > 0 AND NOT attisdropped
ORDER BY attnum;

CREATE ROLE regress_reader NOLOGIN;
CREATE ROLE regress_writer NOLOGIN;
-- Unmanaged: a plain login, and one that is in auto_user only through
-- another role (managed means a direct member).
CREATE ROLE regress_plain LOGIN IN ROLE regress_reader;
CREATE ROLE regress_team NOLOGIN IN ROLE auto_user;
SECURITY LABEL FOR pg_autouser ON ROLE regress_team IS 'managed';
CREATE ROLE regress_indirect LOGIN IN ROLE regress_team, regress_reader;
SELECT coalesce(max(id), 0) AS last_event FROM autouser.events \gset

-- sweep() cleans the managed LOGIN roles without a session, here two:
-- revokes all they hold but auto_user and makes them NOLOGIN.  A managed
-- NOLOGIN role is not the sweep's, whatever it holds; unmanaged roles are
-- left alone.
BEGIN;
CREATE ROLE regress_u1 LOGIN IN ROLE auto_user, regress_reader;
SECURITY LABEL FOR pg_autouser ON ROLE regress_u1 IS 'managed';
CREATE ROLE regress_u2 LOGIN IN ROLE auto_user, regress_reader, regress_writer;
SECURITY LABEL FOR pg_autouser ON ROLE regress_u2 IS 'managed';
CREATE ROLE regress_u3 NOLOGIN IN ROLE auto_user, regress_writer;
SECURITY LABEL FOR pg_autouser ON ROLE regress_u3 IS 'managed';
INSERT INTO autouser.user_state (role, created_at, last_login, last_logout)
VALUES ('regress_u1', '2024-01-01 10:00:00+00', '2024-01-01 10:00:00+00', '2024-01-01 11:00:00+00');
SELECT role, state, sessions, roles, created_at IS NOT NULL AS has_created_at,
       last_login IS NOT NULL AS has_last_login, last_logout IS NOT NULL AS has_last_logout
FROM autouser.users WHERE role LIKE 'regress\_%' ORDER BY role;
SELECT autouser.sweep() AS cleaned;
SELECT role, state, sessions, roles, created_at IS NOT NULL AS has_created_at,
       last_login IS NOT NULL AS has_last_login, last_logout IS NOT NULL AS has_last_logout
FROM autouser.users WHERE role LIKE 'regress\_%' ORDER BY role;
SELECT * FROM pg_temp.roles();
-- One event per role, then the sweep's own.
SELECT * FROM pg_temp.my_events(:last_event);
COMMIT;
-- Cleaning does not touch user_state.
SELECT role, created_at = '2024-01-01 10:00:00+00' AS created_kept,
       last_logout = '2024-01-01 11:00:00+00' AS logout_kept
FROM autouser.user_state WHERE role LIKE 'regress\_%';

-- Nothing left to clean: 0, and no event.
SELECT coalesce(max(id), 0) AS last_event FROM autouser.events \gset
SELECT autouser.sweep() AS cleaned;
SELECT count(*) AS new_events FROM pg_temp.my_events(:last_event);

-- deactivate(): true when it cleaned the role, false when there was nothing
-- to do; an event only for the first.
BEGIN;
CREATE ROLE regress_u4 LOGIN IN ROLE auto_user, regress_reader, regress_writer;
SECURITY LABEL FOR pg_autouser ON ROLE regress_u4 IS 'managed';
SELECT autouser.deactivate('regress_u4') AS deactivated;
SELECT autouser.deactivate('regress_u4') AS deactivated_again;
SELECT * FROM pg_temp.roles() WHERE rolname = 'regress_u4';
SELECT role, state, roles FROM autouser.users WHERE role = 'regress_u4';
SELECT * FROM pg_temp.my_events(:last_event);
COMMIT;
-- terminate => true with no session to end is the same.
SELECT coalesce(max(id), 0) AS last_event FROM autouser.events \gset
BEGIN;
CREATE ROLE regress_u5 LOGIN IN ROLE auto_user, regress_reader;
SECURITY LABEL FOR pg_autouser ON ROLE regress_u5 IS 'managed';
SELECT autouser.deactivate('regress_u5', terminate => true) AS deactivated;
SELECT autouser.deactivate('regress_u5', true) AS deactivated_again;
SELECT * FROM pg_temp.roles() WHERE rolname = 'regress_u5';
SELECT * FROM pg_temp.my_events(:last_event);
COMMIT;
-- A LOGIN role holding nothing but auto_user is deactivated (made NOLOGIN);
-- its event revokes no roles.
SELECT coalesce(max(id), 0) AS last_event FROM autouser.events \gset
BEGIN;
CREATE ROLE regress_u6 LOGIN IN ROLE auto_user;
SECURITY LABEL FOR pg_autouser ON ROLE regress_u6 IS 'managed';
SELECT autouser.deactivate('regress_u6') AS deactivated;
SELECT * FROM pg_temp.roles() WHERE rolname = 'regress_u6';
SELECT * FROM pg_temp.my_events(:last_event);
COMMIT;
-- A NOLOGIN managed role still holding roles is deactivated too (the sweep
-- left it alone) ...
SELECT coalesce(max(id), 0) AS last_event FROM autouser.events \gset
BEGIN;
SELECT autouser.deactivate('regress_u3') AS deactivated;
SELECT * FROM pg_temp.roles() WHERE rolname = 'regress_u3';
SELECT * FROM pg_temp.my_events(:last_event);
-- ... and its event goes with the transaction.
ROLLBACK;
SELECT * FROM pg_temp.roles() WHERE rolname = 'regress_u3';
SELECT count(*) AS new_events FROM pg_temp.my_events(:last_event);
SELECT autouser.deactivate('regress_u3') AS deactivated;
SELECT autouser.deactivate('regress_u3') AS deactivated_again;
-- Already clean from the sweep.
SELECT autouser.deactivate('regress_u1') AS deactivated;
SELECT * FROM pg_temp.my_events(:last_event);

-- Roles deactivate does not manage are refused with 22023, changing nothing.
SELECT coalesce(max(id), 0) AS last_event FROM autouser.events \gset
SELECT pg_temp.try($$SELECT autouser.deactivate('regress_plain')$$);
SELECT pg_temp.try($$SELECT autouser.deactivate('regress_indirect')$$);
SELECT pg_temp.try($$SELECT autouser.deactivate('regress_no_such_role')$$);
SELECT pg_temp.try($$SELECT autouser.deactivate(NULL)$$);
SELECT pg_temp.try($$SELECT autouser.deactivate(NULL, true)$$);
SELECT pg_temp.try($$SELECT autouser.deactivate('auto_user')$$);
SELECT pg_temp.try($$SELECT autouser.deactivate('REGRESS_U1')$$);
SELECT replace(pg_temp.try(format('SELECT autouser.deactivate(%L)', current_user)),
               current_user, '<superuser>') AS try;
-- The sweep leaves the unmanaged LOGIN roles alone.
SELECT autouser.sweep() AS cleaned;
SELECT * FROM pg_temp.roles();
SELECT count(*) AS new_events FROM pg_temp.my_events(:last_event);

-- The cleanup mode is the server's, not a session's.
SHOW pg_autouser.cleanup;
SELECT pg_temp.try($$SET pg_autouser.cleanup = 'off'$$);
SELECT pg_temp.try($$SET pg_autouser.cleanup = 'drop'$$);
SELECT pg_temp.try($$SET LOCAL pg_autouser.cleanup = 'off'$$);
SELECT pg_temp.try($$SELECT set_config('pg_autouser.cleanup', 'off', false)$$);
SHOW pg_autouser.cleanup;

-- Clean up.
DROP ROLE regress_u1, regress_u2, regress_u3, regress_u4, regress_u5, regress_u6, regress_indirect,
    regress_team, regress_plain, regress_reader, regress_writer;
DELETE FROM autouser.user_state WHERE role LIKE 'regress\_%';
DELETE FROM autouser.events
WHERE role LIKE 'regress\_%' OR (action = 'sweep' AND pid = pg_backend_pid());
SELECT count(*) AS roles_left FROM pg_roles WHERE rolname LIKE 'regress\_%';
SELECT count(*) AS events_left FROM autouser.events WHERE role LIKE 'regress\_%';
