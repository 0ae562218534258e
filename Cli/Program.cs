if (args is ["version"]) { Console.WriteLine("mesh 0.1.0"); return 0; }
return 0;
