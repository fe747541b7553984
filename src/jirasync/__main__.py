from jirasync.cli import main

main()
