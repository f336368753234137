// JdbcLogin.java -- a pgjdbc login for test/t/012_cli_jdbc.pl: connects with the JDBC URL given
// as the only argument, exactly as `pg_autouser service --jdbc` printed it, and prints
// "current_user=NAME", or "sqlstate=CODE" and "message=TEXT" for a refused login (exit 3).
// PGJDBC_SSLPASSWORD, when set, is passed as the sslpassword property (for a .p12 key).
// Timeouts are properties, not URL parameters, so the URL stays what the CLI printed.
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

public final class JdbcLogin {
	public static void main(String[] args) throws Exception {
		PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true,
				StandardCharsets.UTF_8.name());
		Properties props = new Properties();
		props.setProperty("connectTimeout", "30");
		props.setProperty("loginTimeout", "60");
		props.setProperty("socketTimeout", "60");
		props.setProperty("ApplicationName", "012_cli_jdbc");
		String password = System.getenv("PGJDBC_SSLPASSWORD");
		if (password != null)
			props.setProperty("sslpassword", password);
		try (Connection conn = DriverManager.getConnection(args[0], props);
				Statement stmt = conn.createStatement();
				ResultSet rs = stmt.executeQuery("SELECT current_user")) {
			rs.next();
			out.println("current_user=" + rs.getString(1));
		} catch (SQLException e) {
			out.println("sqlstate=" + e.getSQLState());
			out.println("message=" + e.getMessage());
			System.exit(3);
		}
	}
}
