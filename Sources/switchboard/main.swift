import ArgumentParser
import SwitchboardServer
import SwitchboardClient
import Hummingbird
import GRDB
import PostgresNIO
import AsyncHTTPClient
print("hi")
